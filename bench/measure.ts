/** One figure of `npm run bench`: its value, and its target and verdict where it has one. */
export interface Measure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
  note?: string;
}
