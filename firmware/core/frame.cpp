#include "frame.h"

namespace gauge {

const char* phaseName(Phase p) {
    switch (p) {
        case Phase::SelfTest:
            return "SELFTEST";
        case Phase::Live:
            return "LIVE";
        case Phase::NoSignal:
            return "NOSIGNAL";
    }
    return "UNKNOWN";
}

const char* dialName(DialId id) {
    switch (id) {
        case DialId::Tach:
            return "tach";
        case DialId::Fuel:
            return "fuel";
        case DialId::Temp:
            return "temp";
        case DialId::Boost:
            return "boost";
        case DialId::Count:
            break;
    }
    return "?";
}

const char* alignName(Align a) {
    switch (a) {
        case Align::Left:
            return "left";
        case Align::Center:
            return "center";
        case Align::Right:
            return "right";
    }
    return "?";
}

const char* etaName(Eta e) {
    switch (e) {
        case Eta::Unknown:
            return "unknown";
        case Eta::Full:
            return "full";
        case Eta::Lasts:
            return "lasts";
    }
    return "?";
}

}  // namespace gauge
