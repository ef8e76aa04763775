import { config } from "@vue/test-utils";
import { i18n } from "../i18n";

/** Vitest setup (jsdom): browser APIs PrimeVue components use that jsdom lacks. */
if (typeof window !== "undefined" && !window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false, media: query, onchange: null,
      addListener: () => {}, removeListener: () => {}, addEventListener: () => {}, removeEventListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

// jsdom has no canvas; axe-core probes it for icon fonts (null = "cannot tell", without jsdom's "not implemented" noise).
if (typeof HTMLCanvasElement !== "undefined") {
  HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
}

// Every mounted component gets the app's i18n (English unless a test switches it).
config.global.plugins.push(i18n);
