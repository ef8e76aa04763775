import { describe, expect, it } from "vitest";
import { centsToInput, formatCents, parseMoneyToCents } from "../money";

describe("money helpers", () => {
  it("parses decimal amounts into integer cents without float error", () => {
    expect(parseMoneyToCents("12.5")).toBe(1250);
    expect(parseMoneyToCents("12.50")).toBe(1250);
    expect(parseMoneyToCents("0.29")).toBe(29);
    expect(parseMoneyToCents("19.99")).toBe(1999);
    expect(parseMoneyToCents("1,200.00")).toBe(120000);
    expect(parseMoneyToCents(" 40 ")).toBe(4000);
    expect(parseMoneyToCents(".5")).toBe(50);
    expect(parseMoneyToCents("7.")).toBe(700);
  });

  it("treats blank as missing and rejects anything that is not an amount", () => {
    expect(parseMoneyToCents("")).toBeNull();
    expect(parseMoneyToCents("   ")).toBeNull();
    for (const bad of ["abc", "-5", "1.234", "1.2.3", ".", "12,5x", "1e3"]) expect(parseMoneyToCents(bad)).toBeNaN();
  });

  it("formats cents back for inputs and tables", () => {
    expect(centsToInput(1250)).toBe("12.50");
    expect(centsToInput(5)).toBe("0.05");
    expect(centsToInput(0)).toBe("0.00");
    expect(centsToInput(120000)).toBe("1200.00");
    expect(formatCents(120000)).toBe("1,200.00");
    expect(formatCents(29)).toBe("0.29");
  });

  it("round-trips", () => {
    for (const c of [0, 1, 99, 100, 1999, 250075]) expect(parseMoneyToCents(centsToInput(c))).toBe(c);
  });
});
