"""axe-core in the page under test: WCAG 2.1 A and AA rules, from the vendored copy (no
network). Evaluated through the DevTools protocol, so the page's CSP (script-src 'self')
needs no exception for the test."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    """One line per violated rule and element: empty when the page passes."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
            .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' +
                  v.nodes.map(n => n.target.join(' ')).join(', ')))""",
        WCAG21_AA,
    )
    return list(result)
