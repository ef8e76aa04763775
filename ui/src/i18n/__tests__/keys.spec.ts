/**
 * The i18n check (issue 17, part 4): both languages have the same keys and placeholders in every area and every
 * message compiles; no .vue template holds literal words (text or a label-like attribute) outside the PENDING list;
 * every literal key the code asks for exists in English.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseSfc } from "@vue/compiler-sfc";
import { baseCompile } from "@intlify/message-compiler";
import { loadMessages, te } from "../index";

const SRC = join(__dirname, "..", "..");

/**
 * Screens not yet converted to message keys: none left. A file listed here that no longer holds a literal fails the
 * check too, so the list can only shrink.
 */
const PENDING: string[] = [];

type Tree = { [k: string]: string | Tree };
function flatten(t: Tree, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === "string") out[prefix + k] = v;
    else Object.assign(out, flatten(v, `${prefix}${k}.`));
  }
  return out;
}
const placeholders = (m: string) => [...new Set([...m.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g)].map((x) => x[1]))].sort();

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "__tests__" || f === "node_modules" ? [] : files(p, ext);
    return ext.test(f) ? [p] : [];
  });
}

const LABEL_ATTRS = new Set(["label", "placeholder", "title", "aria-label", "header", "alt", "summary", "empty-message", "emptymessage"]);
const WORD = /\p{L}{2,}/u;

interface Node { type: number; content?: string; children?: Node[]; props?: { type: number; name: string; value?: { content: string } }[]; loc: { start: { line: number } } }

/** Literal words in a template: text nodes, and static label-like attributes. */
function literals(node: Node, out: string[]) {
  if (node.type === 2 && node.content && WORD.test(node.content)) out.push(`${node.loc.start.line}: ${node.content.trim()}`);
  for (const p of node.props ?? []) {
    if (p.type === 6 && LABEL_ATTRS.has(p.name.toLowerCase()) && p.value && WORD.test(p.value.content)) {
      out.push(`${p.name}="${p.value.content}"`);
    }
  }
  for (const c of node.children ?? []) literals(c, out);
}

describe("messages", () => {
  const all = loadMessages();
  const en = flatten(all.en);
  const es = flatten(all.es);

  it("English and Spanish have the same keys and the same placeholders", () => {
    expect(Object.keys(es).filter((k) => !(k in en))).toEqual([]);
    expect(Object.keys(en).filter((k) => !(k in es))).toEqual([]);
    const differ = Object.keys(en).filter((k) => k in es && placeholders(en[k]).join() !== placeholders(es[k]).join());
    expect(differ).toEqual([]);
  });

  it("every message compiles (no unescaped @ | { })", () => {
    const broken: string[] = [];
    for (const [lang, msgs] of [["en", en], ["es", es]] as const) {
      for (const [k, m] of Object.entries(msgs)) {
        baseCompile(m, { onError: (e) => broken.push(`${lang} ${k}: ${e.message}`) });
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("templates say nothing in plain words", () => {
  const vue = files(SRC, /\.vue$/);

  it("no literal words outside the PENDING screens, and none left in a PENDING one", () => {
    const found: string[] = [];
    const stale: string[] = [];
    for (const f of vue) {
      const rel = relative(SRC, f);
      const { descriptor } = parseSfc(readFileSync(f, "utf8"), { filename: f });
      const out: string[] = [];
      if (descriptor.template?.ast) literals(descriptor.template.ast as unknown as Node, out);
      if (PENDING.includes(rel)) {
        if (out.length === 0) stale.push(rel);
      } else {
        found.push(...out.map((o) => `${rel}:${o}`));
      }
    }
    expect(found).toEqual([]);
    expect(stale).toEqual([]);
  });

  it("every literal key the code asks for exists in English", () => {
    const missing: string[] = [];
    for (const f of files(SRC, /\.(vue|ts)$/)) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/\$?\bt\(\s*["'`]([a-z][a-z0-9_]*\.[a-z0-9_.]+)["'`]/g)) {
        if (!te(m[1])) missing.push(`${relative(SRC, f)}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
