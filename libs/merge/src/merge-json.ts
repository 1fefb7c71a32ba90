/** JSON as merge records carry it (structurally the event store's JsonValue). */
export type MergeJson =
  null | boolean | number | string | MergeJson[] | { [key: string]: MergeJson };
export type MergeJsonObject = { [key: string]: MergeJson };
