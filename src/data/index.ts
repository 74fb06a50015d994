// The data module: trajectories as plain typed arrays, the RolloutBuffer (groups, advantages,
// token-weighted samples, minibatches) and JSONL / chat-record files.
export {
  validateTrajectory, trajectoryToJson, trajectoryFromJson,
  type Trajectory, type Turn, type ActionRecord, type TurnMessage,
} from './trajectory.js';
export { RolloutBuffer, ADVANTAGE_DEFAULTS, packByTokens, type AdvantageOptions, type SampleOptions, type AdvantageResult, type TrainingSample, type MinibatchOptions } from './rollout-buffer.js';
export { JsonlFormatError, JsonlFileError, writeLinesAtomic, saveJsonl, loadJsonl, appendJsonl, type LoadJsonlOptions } from './jsonl.js';
export { toChatRecords, type ChatRecord } from './chat-records.js';
export { saveDemonstrations, loadDemonstrations, type Demonstration, type DemonstrationTurn } from './demonstration.js';
