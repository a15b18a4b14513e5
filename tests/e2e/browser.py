"""Browser side of the journeys: Debian's Chromium, pages that report problems, screenshots.

A ``Journey`` opens pages (each in its own browser context, i.e. its own cookies and
its own client address for the rate limits), saves numbered screenshots of the key
pages under ``artifacts/e2e/<journey>/``, checks each of those pages for a title, field
labels and image alt text, and collects every console error, uncaught exception, CSP
violation and 5xx response: the test fails on any of them. On failure it saves each
open page's screenshot, HTML and console log next to the screenshots.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Response

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that phones home (the machine has no network).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

# Reported by the page itself, so it also catches violations the console words differently.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""

# Run on every screenshotted page: what a person with a screen reader or a keyboard
# would trip over. Returns a list of problems (empty when the page is fine).
AUDIT = """
() => {
  const problems = [];
  const text = (el) => (el ? el.textContent.trim() : "");
  if (!document.title.trim()) problems.push("empty <title>");
  const named = (el) => (el.labels && [...el.labels].some((label) => text(label)))
    || (el.getAttribute("aria-label") || "").trim()
    || (el.getAttribute("aria-labelledby") || "").split(/\\s+/)
         .some((id) => id && text(document.getElementById(id)))
    || (el.getAttribute("title") || "").trim();
  for (const el of document.querySelectorAll("input, select, textarea")) {
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (["hidden", "submit", "button", "reset", "image"].includes(type)) continue;
    if (!named(el)) {
      const what = el.name || el.id || el.className;
      problems.push(`unlabelled ${el.tagName.toLowerCase()} ${what}`);
    }
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  }
  const headings = document.querySelectorAll("h1").length;
  if (headings !== 1) problems.push(`${headings} <h1> elements`);
  return problems;
}
"""

_STATUS_ERROR = re.compile(r"the server responded with a status of (\d{3})")


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; never a downloaded browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@dataclass
class Journey:
    """One user journey: its pages, screenshots and the problems seen along the way."""

    name: str
    browser: Browser
    base_url: str
    directory: Path
    address: str  # a /24 prefix ("10.77.3."): each page gets its own client address in it
    pages: list[Page] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    _addresses: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_page(self, label: str = "main", viewport: dict | None = None) -> Page:
        """A page in a fresh context (own cookies, own client address)."""
        address = f"{self.address}{next(self._addresses)}"
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=viewport or DESKTOP,
            extra_http_headers={"X-Forwarded-For": address},
            locale="en-GB",
            timezone_id="UTC",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.on("console", lambda msg: self._on_console(label, msg))
        page.on("pageerror", lambda exc: self.problems.append(f"[{label}] page error: {exc}"))
        page.on("response", lambda response: self._on_response(label, response))
        self.pages.append(page)
        return page

    def allow_status(self, *codes: int) -> None:
        """Error statuses this journey asks for on purpose (a 403 page, a 429, ...)."""
        self.allowed_statuses.update(codes)

    def _on_console(self, label: str, msg: ConsoleMessage) -> None:
        line = f"[{label}] {msg.type}: {msg.text}"
        self.console.append(line)
        if msg.type != "error":
            return
        status = _STATUS_ERROR.search(msg.text)
        if status and int(status.group(1)) in self.allowed_statuses:
            return
        self.problems.append(line)

    def _on_response(self, label: str, response: Response) -> None:
        if response.status >= 500 and response.status not in self.allowed_statuses:
            self.problems.append(f"[{label}] {response.status} from {response.url}")

    def path(self, name: str, suffix: str) -> Path:
        """``artifacts/e2e/<journey>/NN-name.suffix``, numbered in the order taken."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return self.directory / f"{next(self._numbers):02d}-{name}{suffix}"

    def shot(self, page: Page, name: str, full_page: bool = True) -> Path:
        """Audit the page, then save a screenshot of it (all of it, by default)."""
        self.audit(page, name)
        target = self.path(name, ".png")
        page.screenshot(path=str(target), full_page=full_page)
        return target

    def phone_shot(self, page: Page, name: str) -> Path:
        """The same page on a phone-sized screen (the navbar collapses, tables scroll)."""
        original = page.viewport_size
        page.set_viewport_size(PHONE)
        try:
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                self.problems.append(f"{name}: page is {overflow}px wider than a phone screen")
            return self.shot(page, f"{name}-phone")
        finally:
            page.set_viewport_size(original)

    def audit(self, page: Page, name: str) -> None:
        """Title, labels, alt text: record what is missing on ``page``."""
        for problem in page.evaluate(AUDIT):
            self.problems.append(f"{name} ({page.url}): {problem}")

    def assert_clean(self) -> None:
        """Fail on any console error, page error, CSP violation, 5xx or audit finding."""
        assert not self.problems, "problems seen in the browser:\n" + "\n".join(self.problems)

    def dump(self) -> None:
        """Save what each open page shows (screenshot, HTML) and the console, for a failure."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for index, page in enumerate(self.pages):
            if page.is_closed():
                continue
            stem = self.directory / f"failure-{index}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content())
            except Exception as exc:
                Path(f"{stem}.txt").write_text(f"could not capture {page.url}: {exc}")

    def close(self) -> None:
        """Write the console log and close every context."""
        if self.console:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / "console.log").write_text("\n".join(self.console) + "\n")
        for page in self.pages:
            page.context.close()
