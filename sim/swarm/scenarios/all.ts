// The registry of scenarios, in the order.
import type { Scenario } from './common.js';
import { scaling } from './scaling.js';
import { utilization } from './utilization.js';
import { rarest } from './rarest.js';
import { titForTat } from './tit-for-tat.js';
import { endgame } from './endgame.js';
import { seederDeparture } from './seeder-departure.js';
import { churn } from './churn.js';

/** Every scenario, in the order. */
export const SCENARIOS: readonly Scenario[] = [scaling, utilization, rarest, titForTat, endgame, seederDeparture, churn];
