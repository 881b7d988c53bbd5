import { IstioSettingsSpec } from '../../model/types';

/**
 * Options of the istio phase (everything but the catalog): the catalog's `istio`
 * settings, field by field over what the catalog says (an unset field keeps the catalog's).
 */
export interface IstioPhaseOptions extends IstioSettingsSpec {}
