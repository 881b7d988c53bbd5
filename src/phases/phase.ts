/** The phases moved to the model (the analysis names them too); re-exported here for existing imports. */
export { ALL_PHASES, Phase, parsePhase } from '../model/phase';
