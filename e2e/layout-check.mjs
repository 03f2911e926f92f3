// The layout rules every screen of the example keeps, from 360 px to 1440 px wide:
// it scrolls only up and down, nothing sticks out of the page's card, no button's text
// overflows it, and no word breaks in the middle (text marked `overflow-wrap: anywhere`,
// an email or a user agent, may). Used by layout.mjs and consent.mjs.
import assert from 'node:assert/strict';

import { shot } from './harness.mjs';

/** What is wrong with the page's layout at its current width, as sentences (none: fine). */
export function layoutProblems() {
  const problems = [];
  const width = window.innerWidth;
  const scrolled = document.scrollingElement.scrollWidth;
  if (scrolled > width) problems.push(`the page is ${scrolled} px wide in a ${width} px window`);
  const describe = (el) =>
    `<${el.tagName.toLowerCase()}${el.dataset.testid ? ` data-testid=${el.dataset.testid}` : ''}> "${el.textContent.trim().slice(0, 40)}"`;

  // Nothing sticks out of the card (the page's <main>).
  const main = document.querySelector('main');
  const card = main.getBoundingClientRect();
  for (const el of main.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue; // not rendered
    if (box.left < card.left - 0.5 || box.right > card.right + 0.5) {
      problems.push(`${describe(el)} spans ${Math.round(box.left)}–${Math.round(box.right)} px, outside the card's ${Math.round(card.left)}–${Math.round(card.right)} px`);
    }
  }
  // No button's text is cut or overflows it.
  for (const button of document.querySelectorAll('button')) {
    if (button.scrollWidth > button.clientWidth + 1) {
      problems.push(`${describe(button)} overflows itself (${button.scrollWidth} px of text in ${button.clientWidth} px)`);
    }
  }
  // No word is split across lines, unless its text may break anywhere.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || ['SCRIPT', 'STYLE'].includes(parent.tagName)) continue;
    if (getComputedStyle(parent).overflowWrap === 'anywhere') continue;
    for (const match of node.data.matchAll(/\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) problems.push(`"${match[0]}" in ${describe(parent)} breaks across ${tops.size} lines`);
    }
  }
  return problems;
}

/** The page at each width: no problem at any of them; a screenshot at the last. */
export async function checkLayout(page, widths, name) {
  const height = page.viewportSize().height;
  for (const width of widths) {
    await page.setViewportSize({ width, height });
    const problems = await page.evaluate(layoutProblems);
    assert.deepEqual(problems, [], `${name} at ${width} px`);
  }
  await shot(page, name);
}
