import { describe, expect, it } from "vitest";
import { ref } from "vue";
import { rowTestId } from "../table";
import { latestOnly } from "../latest";

describe("rowTestId", () => {
  it("names a row by prefix and key, and an unknown row by the prefix alone", () => {
    const pt = rowTestId<{ id: number; username: string }>("staff-row", "username");
    expect(pt({ instance: { rowData: { id: 1, username: "ann" } } })).toEqual({ "data-testid": "staff-row-ann" });
    expect(pt({ instance: {} })).toEqual({ "data-testid": "staff-row-" });
  });
});

describe("latestOnly", () => {
  it("applies only the newest answer and ends loading with the newest call", async () => {
    const loading = ref(false);
    const run = latestOnly(loading);
    const applied: string[] = [];
    let releaseOld!: (v: string) => void;
    const old = run(() => new Promise<string>((r) => { releaseOld = r; }), (v) => applied.push(v));
    const fresh = run(() => Promise.resolve("new"), (v) => applied.push(v));
    expect(loading.value).toBe(true);
    await fresh;
    expect(loading.value).toBe(false);
    releaseOld("old");
    await old;
    expect(applied).toEqual(["new"]);
    expect(loading.value).toBe(false);
  });
});
