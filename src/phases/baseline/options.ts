import { BaselineSettingsSpec } from '../../model/types';

/**
 * Options of the baseline phase (everything but the catalog): the catalog's `baseline`
 * settings, field by field over what the catalog says (an unset field keeps the catalog's).
 */
export interface BaselinePhaseOptions extends BaselineSettingsSpec {}
