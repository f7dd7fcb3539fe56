/**
 * The one stylesheet of pimwatch's pages: the HTML report inlines it (it must open from disk with
 * nothing else), the console serves it as a file (its CSP allows styles from itself only). Colours keep
 * a contrast of at least 4.5:1 on their backgrounds.
 */
export const PAGE_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #4a5360; --line: #c9d1d9; --bg: #ffffff; --band: #f3f5f7;
  --high: #a4121c; --medium: #8a4b00; --low: #1f5f99; --ok: #116329; --link: #0b57b0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main, header.page, nav.top { max-width: 1200px; margin: 0 auto; padding: 0 1rem; }
header.page { padding-top: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0; } h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1rem 0 .25rem; }
a { color: var(--link); } a:focus-visible, button:focus-visible, select:focus-visible, input:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
th { background: var(--band); font-weight: 600; }
.muted { color: var(--muted); }
.sev { font-weight: 700; } .sev-high { color: var(--high); } .sev-medium { color: var(--medium); } .sev-low { color: var(--low); }
.status-partial, .status-failed { color: var(--high); font-weight: 700; } .status-complete { color: var(--ok); font-weight: 700; }
.banner { padding: .75rem 1rem; border-left: 6px solid var(--high); background: #fdf0f0; margin: 1rem 0; }
.banner.ok { border-color: var(--ok); background: #eef8f0; }
.incident { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; break-inside: avoid; }
.incident h3, .incident h4 { margin: .25rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .25rem 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
ul.links { margin: .25rem 0; padding-left: 1.2rem; }
nav.top { display: flex; gap: 1rem; align-items: center; padding-top: .75rem; padding-bottom: .75rem; border-bottom: 1px solid var(--line); }
nav.top .who { margin-left: auto; }
form.inline { display: inline; }
button { font: inherit; padding: .35rem .9rem; border: 1px solid #0b57b0; background: #0b57b0; color: #fff; border-radius: 4px; cursor: pointer; white-space: nowrap; }
button.secondary { background: #fff; color: #0b57b0; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin: .5rem 0; }
form.filters label { display: flex; flex-direction: column; font-size: .9rem; }
select, input { font: inherit; padding: .25rem; }
svg.trend { vertical-align: middle; }
.progress { margin: .5rem 0; font-weight: 600; }
footer { max-width: 1200px; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .85rem; }
@media print {
  body { font-size: 11pt; } nav.top, form, button, .no-print { display: none !important; }
  a { color: inherit; text-decoration: underline; } a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 8pt; word-break: break-all; }
  .incident { border-color: #888; } h2 { break-after: avoid; }
}
`;
