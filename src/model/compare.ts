/** Code-unit order of two strings (`Array.prototype.sort`'s default, locale-independent): output order never depends on the machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
