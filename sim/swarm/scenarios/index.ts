export * from './common.js';
export { scaling } from './scaling.js';
export { utilization } from './utilization.js';
export { rarest } from './rarest.js';
export { titForTat } from './tit-for-tat.js';
export { endgame } from './endgame.js';
export { seederDeparture } from './seeder-departure.js';
export { churn } from './churn.js';
export { SCENARIOS } from './all.js';
