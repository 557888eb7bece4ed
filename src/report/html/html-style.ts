/**
 * The report's only stylesheet, inlined and allowed by its hash in the page's CSP. Text colours meet
 * 4.5:1 on every background they sit on (checked in the browser test); tables and long lines scroll
 * or wrap inside their own boxes so a 390-px screen never scrolls the page sideways.
 */
export const STYLE = `
:root{--ok:#137333;--no:#b3261e;--warn:#8a5a00;--mut:#5f6368;--line:#dadce0;--bg2:#f6f8fa;--link:#0b57d0}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:1rem 1.5rem;max-width:1400px;color:#202124;background:#fff}
a{color:var(--link)}a:focus-visible,summary:focus-visible{outline:2px solid var(--link);outline-offset:2px}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 11rem;gap:1.5rem}main{min-width:0;overflow-wrap:break-word}
.toc{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;padding:1rem 0;font-size:.9rem}
.toc ul{list-style:none;margin:.3rem 0;padding:0}.toc li{margin:.25rem 0}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1rem}h4{margin:.8rem 0 .3rem}h5{margin:0 0 .3rem;font-size:.9rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--bg2)}td.num{text-align:right}.rate{font-size:1.1rem;font-weight:600}
.muted{color:var(--mut);font-weight:normal}.good,.ok,.v-better,.v-improved,.v-unchanged{color:var(--ok)}.bad,.no,.err,.v-worse,.v-regressed,.v-below-threshold{color:var(--no)}
.warn,.v-inconclusive,.v-not-comparable{color:var(--warn)}.best{color:var(--warn)}
td.is-best{background:#fff8e1}td.is-regressed{background:#fdecea}td.is-improved{background:#e6f4ea}
.warnings{background:#fff4e5;border:1px solid #f0c36d;padding:.5rem 1rem}
.gate-row{border:1px solid var(--line);border-left:4px solid var(--line);padding:.3rem .8rem;margin:.6rem 0}
.gate-row.v-regressed,.gate-row.v-below-threshold{border-left-color:var(--no)}.gate-row.v-improved{border-left-color:var(--ok)}.gate-row.v-inconclusive{border-left-color:var(--warn)}
.gate-row h3{margin:.3rem 0;color:#202124}.gate-row .verdict{text-transform:uppercase;font-size:.8rem;letter-spacing:.03em}
.gate-row.v-regressed .verdict,.gate-row.v-below-threshold .verdict{color:var(--no)}.gate-row.v-improved .verdict{color:var(--ok)}.gate-row.v-inconclusive .verdict{color:var(--warn)}
.gate-row p,.gate-row ul{color:#202124}.gate-row p.trust{color:var(--warn)}.moved{margin:.3rem 0;padding-left:1.2rem}.moved li{margin:.1rem 0}.kn{font-variant-numeric:tabular-nums}.why{margin:.2rem 0;padding-left:1.2rem}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{margin:0;border:1px solid var(--line);padding:.4rem;width:100%;max-width:372px}.span{font-size:.8rem}
svg{max-width:100%;height:auto}svg .l-rate{fill:none;stroke:#1a73e8;stroke-width:1.5}svg .l-score{fill:none;stroke:#80868b;stroke-width:1;stroke-dasharray:2 2}
svg .dot{fill:#1a73e8}svg .grid{stroke:#eee}svg .brk{stroke:var(--no);stroke-dasharray:3 3;stroke-width:1.5}svg .pc{fill:#c5221f}svg .ax{font-size:10px;fill:var(--mut);text-anchor:end}svg .pt{fill:#1a73e8;stroke:#fff;stroke-width:1}svg .base{stroke:#1a73e8;stroke-width:1.5;stroke-dasharray:1 2}
.flat{font-size:.9rem}
details.scenario{border:1px solid var(--line);margin:.4rem 0;padding:.3rem .6rem}details.scenario>summary,details.cell>summary{cursor:pointer}
details.cell{border-top:1px solid var(--line);padding:.25rem 0}details.cell[open]>summary{margin-bottom:.3rem}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(20rem,100%),1fr));gap:.8rem}.side{min-width:0}.side.base h5{color:var(--mut)}
.rep{border-left:3px solid var(--line);padding:.1rem .5rem;margin:.3rem 0}.st-pass{border-color:var(--ok)}.st-fail{border-color:var(--no)}.st-error{border-color:var(--warn)}
.rep-head{font-size:.85rem;color:var(--mut)}.same{color:#202124}.asserts{margin:.2rem 0;padding-left:.2rem;list-style:none}
.trajectory{margin:.3rem 0}.tcs{margin:.2rem 0;padding-left:1.2rem;font-size:.85rem}.tc-denied-by-agent,.tc-denied-by-sandbox,.tc-failed{background:rgba(200,60,60,.08)}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg2);padding:.4rem;margin:.2rem 0;max-height:40rem;overflow:auto}
pre.diff{font-size:.8rem;max-height:24rem}
.difftext{font:12px/1.45 ui-monospace,monospace;white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg2);padding:.4rem;max-height:32rem;overflow:auto}
ins{background:#e6ffec;text-decoration:none;display:block}del{background:#ffebe9;text-decoration:none;display:block}
.wd ins,.wd del{display:inline}.wd del{text-decoration:line-through}.wdiff{margin:.3rem 0}
ins mark{background:#aceebb;color:inherit}del mark{background:#ffc1bc;color:inherit}
.pair-matrices{display:flex;flex-wrap:wrap;gap:0 1.5rem}.pair-matrix caption{text-align:left;font-weight:600;padding:.2rem 0}
td.cmp-better{background:#e6f4ea;color:var(--ok);font-weight:600}td.cmp-worse{background:#fdecea;color:var(--no);font-weight:600}
.filters{margin:.4rem 0}.filters label{margin-right:1rem;white-space:nowrap}
#scenario-grid td{text-align:center;white-space:nowrap}#scenario-grid .vcol{font-weight:normal;font-size:.85rem}
td.g-worse{background:#fdecea}td.g-better{background:#e6f4ea}td.g-fail{background:#fff4e5}
label.pick{white-space:nowrap;font-weight:normal}
#cmp{position:fixed;left:0;right:0;bottom:0;max-height:45vh;overflow:auto;background:#fff;border-top:2px solid var(--line);padding:.5rem .75rem;z-index:2}
body:has(#f-worse:checked) .sc:not(.worse),body:has(#f-failing:checked) .sc:not(.failing){display:none}
@media (max-width:900px){body{padding:0 .75rem .6rem}.layout{display:flex;flex-direction:column}[id]{scroll-margin-top:4.5rem}
.toc{order:-1;position:sticky;top:0;max-height:none;background:#fff;border-bottom:1px solid var(--line);margin:0 -.75rem;padding:.3rem .75rem;z-index:1}
.toc>b{display:none}.toc ul{display:flex;flex-wrap:wrap;gap:.1rem .9rem;margin:0}.toc li{margin:0;white-space:nowrap}}
`;
