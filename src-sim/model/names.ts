/**
 * Name -> id lookups for tasks, mms and pages, as scenario steps name them (`switch` to "K", `clone` a new "T",
 * `reclaim` page "A"). Objects are only ever appended to their lists and never renamed, so each index covers a prefix
 * of its list and is extended when the list has grown: a lookup costs O(1) amortised, whatever the length of the run
 * (a `clone` used to scan every task for its name).
 *
 * The first object of a name wins (as a scan would find it). A replay (timeline seek) works on an earlier state whose
 * lists are prefixes of the same lists, so it may share the recording run's index: an id beyond the state's list is
 * "does not exist (yet)".
 */
interface Named {
  name: string;
}

class Index {
  /** Made at the first lookup: the explorer makes a kernel, and its index, per move, and most moves look up nothing. */
  private ids: Map<string, number> | null = null;
  private seen = 0;
  get(list: readonly Named[], name: string): number {
    const ids = (this.ids ??= new Map());
    for (let i = this.seen; i < list.length; i++) if (!ids.has(list[i].name)) ids.set(list[i].name, i);
    if (list.length > this.seen) this.seen = list.length;
    const id = ids.get(name);
    return id !== undefined && id < list.length ? id : -1;
  }
}

export class NameIndex {
  private tasks = new Index();
  private mms = new Index();
  private pages = new Index();
  /** The id of the first task named `name` in `list` (the state's tasks), or -1. */
  task(list: readonly Named[], name: string): number {
    return this.tasks.get(list, name);
  }
  mm(list: readonly Named[], name: string): number {
    return this.mms.get(list, name);
  }
  page(list: readonly Named[], name: string): number {
    return this.pages.get(list, name);
  }
}
