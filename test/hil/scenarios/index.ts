// Every scenario, in the order they run (cheap ones first so a broken setup fails fast).
import type { Scenario } from '../lib/scenario.js';
import attention from './attention.js';
import badAnswers from './bad-answers.js';
import coldBoot from './cold-boot.js';
import daemonRestart from './daemon-restart.js';
import fuelOver from './fuel-over.js';
import fuelWarn from './fuel-warn.js';
import idle from './idle.js';
import modelSwitch from './model-switch.js';
import officialQuota from './official-quota.js';
import redlineHot from './redline-hot.js';
import stall from './stall.js';
import transcriptGarbage from './transcript-garbage.js';

export const scenarios: readonly Scenario[] = [
  coldBoot,
  redlineHot,
  fuelWarn,
  fuelOver,
  modelSwitch,
  stall,
  idle,
  officialQuota,
  attention,
  transcriptGarbage,
  daemonRestart,
  badAnswers,
];
