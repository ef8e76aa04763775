/**
 * axe-core (WCAG 2.1 A/AA) on a mounted component in jsdom: serious and critical findings as "rule: targets",
 * plus any id used twice in the document ("duplicate-id: #x" — axe 4.x no longer reports those).
 * Colour contrast is left to the end-to-end run in a real browser (jsdom does not lay out or paint).
 */
import axe from "axe-core";

export async function seriousAxeFindings(el: Element): Promise<string[]> {
  const result = await axe.run(el, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
    iframes: false, // report frames are sandboxed documents of their own
  });
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const e of Array.from(document.querySelectorAll("[id]"))) (seen.has(e.id) ? dupes : seen).add(e.id);
  return [
    ...result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    ...Array.from(dupes, (id) => `duplicate-id: #${id}`),
  ];
}
