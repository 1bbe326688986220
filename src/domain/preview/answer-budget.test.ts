import { describe, expect, it } from 'vitest';
import { CHANGES_LEFT_OUT, fitToBudget } from './answer-budget.js';

const change = (n: number) => ({ path: '/data/a', op: 'replace', before: 'x'.repeat(n), after: 'y' });
const objects = [
  { id: 'small', action: 'change', changes: [change(10)] },
  { id: 'big', action: 'change', changes: [change(5000)] },
  { id: 'medium', action: 'change', changes: [change(1000)], message: 'note' },
  { id: 'plain', action: 'create' },
];

describe('fitToBudget', () => {
  it('returns objects within budget unchanged', () => {
    expect(fitToBudget(objects, 1_000_000)).toEqual(objects);
  });

  it('drops the largest change lists first, keeping every object and its action', () => {
    const fitted = fitToBudget(objects, 2000);
    expect(fitted.map((o) => [o.id, o.action])).toEqual(objects.map((o) => [o.id, o.action]));
    expect(fitted[1]).toEqual({ id: 'big', action: 'change', truncated: true, message: CHANGES_LEFT_OUT });
    expect(fitted[2].changes).toHaveLength(1);
    expect(fitted[0].changes).toHaveLength(1);
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(2000);
  });

  it('keeps dropping until it fits, appending to an existing message', () => {
    const fitted = fitToBudget(objects, 400);
    expect(fitted[2]).toEqual({
      id: 'medium',
      action: 'change',
      truncated: true,
      message: `note; ${CHANGES_LEFT_OUT}`,
    });
    expect(fitted[0].changes).toHaveLength(1);
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(400);
  });
});
