import { CiliumSettingsSpec } from '../../model/types';

/**
 * Options of the cilium phase (everything but the catalog): the catalog's `cilium`
 * settings, field by field over what the catalog says (an unset field keeps the catalog's).
 */
export interface CiliumPhaseOptions extends CiliumSettingsSpec {}
