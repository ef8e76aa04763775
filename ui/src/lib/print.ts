/**
 * Prints an HTML document (a report) without showing it anywhere else. The report on screen sits in an
 * `<iframe sandbox="">` (opaque origin: the page cannot reach into it, so cannot call its print()), so printing goes
 * through a hidden, short-lived frame that may be scripted by this page but still runs no scripts of its own:
 * `allow-same-origin` (reachable from here) + `allow-modals` (print dialog), never `allow-scripts`.
 */
let current: HTMLIFrameElement | null = null;

export function printHtml(html: string, title: string): void {
  current?.remove();
  const frame = document.createElement("iframe");
  current = frame;
  frame.setAttribute("sandbox", "allow-same-origin allow-modals");
  frame.setAttribute("title", `Print: ${title}`);
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  frame.style.cssText = "position:fixed;right:0;bottom:0;width:0;height:0;border:0;visibility:hidden;";
  frame.addEventListener(
    "load",
    () => {
      const win = frame.contentWindow;
      if (!win) return;
      win.addEventListener("afterprint", () => {
        frame.remove();
        if (current === frame) current = null;
      });
      win.focus();
      win.print();
    },
    { once: true },
  );
  frame.srcdoc = html;
  document.body.appendChild(frame);
}
