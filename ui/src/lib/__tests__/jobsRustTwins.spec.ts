// @vitest-environment node
/// <reference types="node" />
/**
 * The English of the messages that stand for sentences the backend composes (job schedules, who runs the jobs,
 * "Run now" results, test-send results) is those sentences word for word: the UI recognises a sentence by its English
 * message (lib/jobs.ts `fromEnglish`), so a wording changed on one side only fails here rather than on screen.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import enJobs from "../../i18n/locales/en/jobs.json";
import enTestSend from "../../i18n/locales/en/testsend.json";

const rust = (path: string) => readFileSync(fileURLToPath(new URL(`../../../../src-tauri/core/src/${path}`, import.meta.url)), "utf8");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether `source` holds a Rust string literal of `english`, a placeholder (`{time}`) standing for a `{}`/`{name}`. */
function holds(source: string, english: string): boolean {
  const pattern = english.split(/(\{[a-z_]+\})/).map((p) => (/^\{[a-z_]+\}$/.test(p) ? "\\{[a-z_]*\\}" : escape(p))).join("");
  return new RegExp(`"${pattern}"`).test(source);
}

describe("messages for the backend's English sentences", () => {
  it("job schedules are JobKind::schedule's sentences", () => {
    const src = rust("jobs/mod.rs");
    expect(Object.values(enJobs.schedule).filter((m) => !holds(src, m))).toEqual([]);
  });

  it("job labels are JobKind::label's", () => {
    const src = rust("jobs/mod.rs");
    expect(Object.values(enJobs.kind).filter((m) => !holds(src, m))).toEqual([]);
  });

  it("who runs the jobs, the run-now results and the test-send results are the services' sentences", () => {
    const { unknown: _ui, ...runner } = enJobs.runner;
    // the sentences live in the message catalog (messages.rs) or beside the code that says them
    const catalog = rust("messages.rs");
    expect(Object.values(runner).filter((m) => !holds(rust("context.rs") + catalog, m))).toEqual([]);
    const jobs = rust("services/jobs.rs") + catalog;
    expect(Object.values(enJobs.run_now).filter((m) => !holds(jobs, m))).toEqual([]);
    expect(Object.values(enTestSend.sent).filter((m) => !holds(jobs, m))).toEqual([]);
  });
});
