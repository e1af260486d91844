import type { Results } from './report.js';
import { SCENARIOS, scenarioKey } from './scenarios.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2'];
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A grouped bar chart as SVG: one group per scenario at `pageSize`, one bar
 * per implementation, bar height = requests per second. Hand-written so the
 * bench needs no charting dependency.
 */
export function renderChart(results: Results, pageSize: number, subtitle: string): string {
  const names = Object.keys(results);
  const keys = SCENARIOS.map((s) => scenarioKey(s, pageSize));
  // Two label lines: the longest include does not fit under its group on one.
  const labels = SCENARIOS.map((s) => [`${s.resource}?include=`, s.include]);
  const max = Math.max(1, ...names.flatMap((n) => keys.map((k) => results[n][k]?.rps ?? 0)));
  const top = niceCeiling(max);
  const width = 960, height = 480, left = 70, right = 20, plotTop = 70, plotBottom = height - 90;
  const groupWidth = (width - left - right) / keys.length;
  const barWidth = Math.min(40, (groupWidth * 0.8) / names.length);
  const y = (value: number) => plotBottom - (value / top) * (plotBottom - plotTop);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="bold">Requests per second at page[size]=${pageSize} (higher is better)</text>`,
    `<text x="${left}" y="44" fill="#555">${escape(subtitle)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const value = (top * i) / 5;
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(value) + 4}" text-anchor="end" fill="#555">${Math.round(value)}</text>`);
  }
  keys.forEach((key, g) => {
    const groupLeft = left + g * groupWidth + (groupWidth - barWidth * names.length) / 2;
    names.forEach((name, b) => {
      const rps = results[name][key]?.rps ?? 0;
      const x = groupLeft + b * barWidth;
      parts.push(`<rect x="${x}" y="${y(rps)}" width="${barWidth - 2}" height="${plotBottom - y(rps)}" fill="${PALETTE[b % PALETTE.length]}"><title>${escape(`${name} ${key}: ${rps} req/s`)}</title></rect>`,
        `<text x="${x + (barWidth - 2) / 2}" y="${y(rps) - 4}" text-anchor="middle" font-size="10">${Math.round(rps)}</text>`);
    });
    labels[g].forEach((line, i) =>
      parts.push(`<text x="${left + g * groupWidth + groupWidth / 2}" y="${plotBottom + 18 + i * 14}" text-anchor="middle" font-size="11">${escape(line)}</text>`));
  });
  names.forEach((name, b) => {
    const x = left + b * 110;
    parts.push(`<rect x="${x}" y="${height - 36}" width="12" height="12" fill="${PALETTE[b % PALETTE.length]}"/>`,
      `<text x="${x + 18}" y="${height - 26}">${escape(name)}</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value)!;
  return step * magnitude;
}
