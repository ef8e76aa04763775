/** Money is stored as integer cents; forms edit it as a decimal string ("12.50"). */
import { intlTag } from "../i18n/format";

/** "12.5" → 1250, "1,200.00" → 120000, "" → null; anything else (negatives, 3 decimals, letters) → NaN. */
export function parseMoneyToCents(input: string): number | null {
  const s = input.trim().replace(/[,\s]/g, "");
  if (s === "") return null;
  const m = /^(\d*)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m || (m[1] === "" && !m[2])) return NaN;
  const whole = Number(m[1] || "0");
  const frac = Number((m[2] ?? "").padEnd(2, "0"));
  return whole * 100 + frac;
}

/** 1250 → "12.50" (for inputs). */
export function centsToInput(cents: number): string {
  const neg = cents < 0;
  const abs = Math.abs(Math.round(cents));
  return `${neg ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** 120000 → "1,200.00" ("1.200,00" in Spanish) for tables, in the clinic's language; currency symbol left to the clinic. */
export function formatCents(cents: number): string {
  return new Intl.NumberFormat(intlTag(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(cents / 100);
}
