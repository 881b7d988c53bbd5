/**
 * Kubernetes label selectors (metav1.LabelSelector) as they appear in emitted manifests:
 * parsing with validation, and matching against a label set.
 *
 * Semantics: `matchLabels` and `matchExpressions` are ANDed; the empty selector `{}`
 * matches everything. Whether a *missing* selector means "everything" or "not set" is up
 * to the caller (it differs between a policy's `spec.podSelector` and a peer's selectors).
 */
import { isRecord } from '../model/values';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: string[];
}

/** A parsed label selector: every `matchLabels` pair and every requirement must hold. */
export interface LabelSelector {
  readonly matchLabels: Record<string, string>;
  readonly matchExpressions: SelectorRequirement[];
}

export const MATCH_ALL: LabelSelector = { matchLabels: {}, matchExpressions: [] };

const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Parses a selector object. Problems (which make the API server reject the object) are
 * appended to `problems`; the returned selector is then best effort.
 */
export function parseLabelSelector(raw: unknown, where: string, problems: string[]): LabelSelector {
  if (!isRecord(raw)) {
    problems.push(`${where}: a label selector must be an object`);
    return MATCH_ALL;
  }
  const matchLabels: Record<string, string> = {};
  if (raw.matchLabels !== undefined && raw.matchLabels !== null) {
    if (!isRecord(raw.matchLabels)) {
      problems.push(`${where}.matchLabels: must be an object`);
    } else {
      for (const [key, value] of Object.entries(raw.matchLabels)) {
        if (typeof value !== 'string') {
          problems.push(`${where}.matchLabels.${key}: label values are strings`);
          continue;
        }
        matchLabels[key] = value;
      }
    }
  }
  const matchExpressions: SelectorRequirement[] = [];
  if (raw.matchExpressions !== undefined && raw.matchExpressions !== null) {
    if (!Array.isArray(raw.matchExpressions)) {
      problems.push(`${where}.matchExpressions: must be a list`);
    } else {
      raw.matchExpressions.forEach((expr: unknown, i: number) => {
        const at = `${where}.matchExpressions[${i}]`;
        if (!isRecord(expr) || typeof expr.key !== 'string' || typeof expr.operator !== 'string') {
          problems.push(`${at}: needs a key and an operator`);
          return;
        }
        if (!OPERATORS.has(expr.operator)) {
          problems.push(`${at}: unknown operator ${JSON.stringify(expr.operator)}`);
          return;
        }
        const operator = expr.operator as SelectorOperator;
        const values = Array.isArray(expr.values) ? expr.values.filter((v): v is string => typeof v === 'string') : [];
        if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
          problems.push(`${at}: ${operator} needs at least one value`);
          return;
        }
        if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
          problems.push(`${at}: ${operator} takes no values`);
          return;
        }
        matchExpressions.push({ key: expr.key, operator, values });
      });
    }
  }
  return { matchLabels, matchExpressions };
}

export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) {
      return false;
    }
  }
  for (const req of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case 'In':
        if (!has || !req.values.includes(labels[req.key])) {
          return false;
        }
        break;
      case 'NotIn':
        // A pod without the key satisfies NotIn.
        if (has && req.values.includes(labels[req.key])) {
          return false;
        }
        break;
      case 'Exists':
        if (!has) {
          return false;
        }
        break;
      case 'DoesNotExist':
        if (has) {
          return false;
        }
        break;
    }
  }
  return true;
}

/** `app=a,tier in (x,y)` style rendering, for messages. `{}` renders as `(all)`. */
export function formatSelector(selector: LabelSelector): string {
  const parts = Object.keys(selector.matchLabels).sort().map(k => `${k}=${selector.matchLabels[k]}`);
  for (const req of selector.matchExpressions) {
    switch (req.operator) {
      case 'In':
        parts.push(`${req.key} in (${req.values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${req.key} notin (${req.values.join(',')})`);
        break;
      case 'Exists':
        parts.push(req.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${req.key}`);
        break;
    }
  }
  return parts.length === 0 ? '(all)' : parts.join(',');
}
