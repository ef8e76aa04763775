import { describe, expect, it } from "vitest";
import {
  localInstant, isSender, badEmails, canCancel, canRetry, countsText, emptySecret, monthLabel, monthOptions, normaliseEmailList, outcomeLabel,
  previousMonth, secretInput,
} from "../jobs";

describe("secretInput", () => {
  it("keeps the stored secret (null) unless something was typed or it was removed", () => {
    expect(secretInput(emptySecret())).toBeNull();
    expect(secretInput({ text: "s3cret", clear: false })).toBe("s3cret");
    expect(secretInput({ text: "", clear: true })).toBe("");
    expect(secretInput({ text: "typed then removed", clear: true })).toBe("");
  });
});

describe("months", () => {
  it("defaults to the previous month, across a year boundary", () => {
    expect(previousMonth("2026-11-27")).toBe("2026-10-01");
    expect(previousMonth("2027-01-01")).toBe("2026-12-01");
    expect(previousMonth("2026-03-31")).toBe("2026-02-01");
  });

  it("offers the last complete months newest first with readable labels", () => {
    const opts = monthOptions("2026-01-15", 3);
    expect(opts.map((o) => o.value)).toEqual(["2025-12-01", "2025-11-01", "2025-10-01"]);
    expect(opts[0].label).toBe("December 2025");
    expect(monthLabel("2026-10-01")).toBe("October 2026");
  });
});

describe("emails, counts, outbox actions", () => {
  it("finds entries that are not email addresses and tidies the list", () => {
    expect(badEmails("")).toEqual([]);
    expect(badEmails("a@x.org, b@y.org")).toEqual([]);
    expect(badEmails("a@x.org; b@y.org, nope")).toEqual(["a@x.org; b@y.org", "nope"]);
    expect(normaliseEmailList(" a@x.org ,, b@y.org ,")).toBe("a@x.org, b@y.org");
    expect(isSender("desk@clinic.example")).toBe(true);
    expect(isSender("Sunrise Clinic <desk@clinic.example>")).toBe(true);
    expect(isSender("Sunrise Clinic")).toBe(false);
    expect(isSender("Clinic <not an address>")).toBe(false);
  });

  it("writes counts as words", () => {
    expect(countsText({ sent: 3, skipped_no_consent: 1 })).toBe("sent 3 · skipped no consent 1");
    expect(countsText({})).toBe("");
    expect(outcomeLabel({ outcome: null })).toBe("Running");
    expect(outcomeLabel({ outcome: "failed" })).toBe("Failed");
  });

  it("retries failed/cancelled and cancels pending/failed only", () => {
    expect(["pending", "sending", "sent", "failed", "cancelled"].filter((s) => canRetry(s as never))).toEqual(["failed", "cancelled"]);
    expect(["pending", "sending", "sent", "failed", "cancelled"].filter((s) => canCancel(s as never))).toEqual(["pending", "failed"]);
  });
});

describe("localInstant", () => {
  it("is short, local, and shows the year only for other years", () => {
    const now = new Date(2026, 10, 27, 12, 0);
    const local = new Date(2026, 10, 26, 18, 5);
    expect(localInstant(local.toISOString(), now)).toBe("26 Nov, 18:05");
    expect(localInstant(new Date(2025, 11, 30, 7, 0).toISOString(), now)).toBe("30 Dec 2025, 07:00");
    expect(localInstant(null, now)).toBe("—");
  });
});
