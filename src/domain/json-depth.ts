/**
 * How deep a parsed JSON value nests, found without recursion: a request body nested thousands
 * of levels deep is cheap to send and parses fine, but every recursive walk after it (class
 * validation, class-transformer) runs out of stack.
 */

/** True when `value` nests deeper than `max` levels of arrays or objects (a scalar is level 0). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
