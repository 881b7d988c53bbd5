import { LinkerdSettingsSpec } from '../../model/types';

/**
 * Options of the linkerd phase (everything but the catalog): the catalog's `linkerd`
 * settings, field by field over what the catalog says (an unset field keeps the catalog's).
 */
export interface LinkerdPhaseOptions extends LinkerdSettingsSpec {}
