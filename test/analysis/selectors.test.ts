import { formatSelector, matchesSelector, parseLabelSelector } from '../../src/analysis/selectors';

function parse(raw: unknown) {
  const problems: string[] = [];
  const selector = parseLabelSelector(raw, 'sel', problems);
  return { selector, problems };
}

function matches(raw: unknown, labels: Record<string, string>): boolean {
  const { selector, problems } = parse(raw);
  expect(problems).toEqual([]);
  return matchesSelector(selector, labels);
}

describe('label selectors', () => {
  const web = { app: 'web', version: 'v1' };
  const bare = {};

  test('the empty selector matches every label set', () => {
    expect(matches({}, web)).toBe(true);
    expect(matches({}, bare)).toBe(true);
    expect(matches({ matchLabels: {}, matchExpressions: [] }, bare)).toBe(true);
  });

  test('matchLabels needs every pair', () => {
    expect(matches({ matchLabels: { app: 'web' } }, web)).toBe(true);
    expect(matches({ matchLabels: { app: 'web', version: 'v2' } }, web)).toBe(false);
    expect(matches({ matchLabels: { app: 'web' } }, bare)).toBe(false);
  });

  test('In and NotIn (NotIn holds when the key is absent)', () => {
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] }, web)).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] }, web)).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, bare)).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, web)).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['api'] }] }, web)).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, bare)).toBe(true);
  });

  test('Exists and DoesNotExist', () => {
    expect(matches({ matchExpressions: [{ key: 'version', operator: 'Exists' }] }, web)).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'version', operator: 'Exists' }] }, bare)).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'version', operator: 'DoesNotExist' }] }, web)).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'version', operator: 'DoesNotExist' }] }, bare)).toBe(true);
  });

  test('an empty label value is a value (Exists holds, In needs it listed)', () => {
    expect(matches({ matchExpressions: [{ key: 'flag', operator: 'Exists' }] }, { flag: '' })).toBe(true);
    expect(matches({ matchLabels: { flag: '' } }, { flag: '' })).toBe(true);
    expect(matches({ matchLabels: { flag: '' } }, {})).toBe(false);
  });

  test('matchLabels and matchExpressions are ANDed', () => {
    const raw = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'version', operator: 'In', values: ['v2'] }] };
    expect(matches(raw, web)).toBe(false);
    expect(matches(raw, { app: 'web', version: 'v2' })).toBe(true);
  });

  test('rejects malformed selectors with a field path', () => {
    expect(parse({ matchExpressions: [{ key: 'a', operator: 'Has' }] }).problems).toEqual(['sel.matchExpressions[0]: unknown operator "Has"']);
    expect(parse({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }).problems).toEqual(['sel.matchExpressions[0]: In needs at least one value']);
    expect(parse({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }).problems).toEqual(['sel.matchExpressions[0]: Exists takes no values']);
    expect(parse({ matchLabels: { a: 1 } }).problems).toEqual(['sel.matchLabels.a: label values are strings']);
    expect(parse('app=web').problems).toEqual(['sel: a label selector must be an object']);
  });

  test('renders selectors for messages', () => {
    const { selector } = parse({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['x', 'y'] }, { key: 'd', operator: 'DoesNotExist' }] });
    expect(formatSelector(selector)).toBe('a=1,b=2,c notin (x,y),!d');
    expect(formatSelector(parse({}).selector)).toBe('(all)');
  });
});
