// Umbrella header: everything a platform needs from the portable gauge core.
#pragma once

#include "gauge_config.h"
#include "usage.h"
#include "scale.h"
#include "needle.h"
#include "lamps.h"
#include "readout.h"
#include "poll.h"
#include "frame.h"
#include "cluster.h"
#include "device.h"
#include "state_line.h"
#include "usage_feed.h"
#include "drawing.h"
#include "frame_layout.h"
