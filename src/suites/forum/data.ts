// Seeded data of the forum site and its per-session mutable state. (Placeholder: replaced when the site is built.)

export interface ForumData {
  readonly name: string;
}

/** Mutable per-session state (plain JSON). */
export interface ForumState {
  readonly visits: number;
}

export function createForumData(seed: number): ForumData {
  return { name: `forum ${seed}` };
}

export function createForumState(_data: ForumData): ForumState {
  return { visits: 0 };
}
