// Seeded data of the code site and its per-session mutable state. (Placeholder: replaced when the site is built.)

export interface CodeData {
  readonly name: string;
}

/** Mutable per-session state (plain JSON). */
export interface CodeState {
  readonly visits: number;
}

export function createCodeData(seed: number): CodeData {
  return { name: `code ${seed}` };
}

export function createCodeState(_data: CodeData): CodeState {
  return { visits: 0 };
}
