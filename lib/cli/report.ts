// lib/cli/report.ts
// renderCheck(): the check's report as text for people (the JSON form is the report itself).
import type { CheckReport } from './check.js';
import type { Problem } from './diagnosis.js';

/** The report as lines of text: setup, token and permissions, API, then each problem with its cause and fix. */
export function renderCheck(report: CheckReport): string {
  const lines = [
    'express-grafx-auth check',
    `  environment   ${report.environment ?? '(none: --api-base-url given)'}`,
    `  login server  ${report.tokenURL}`,
    `  API           ${report.apiBaseURL}`,
    `  client ID     ${report.clientId}`,
    '',
  ];
  const problems = [...report.problems];
  const take = (stage: Problem['stage']): Problem[] => problems.filter((problem) => problem.stage === stage);
  if (report.token.accepted) {
    lines.push(
      `✔ credentials accepted: a token for ${duration(report.token.lifetimeSeconds ?? 0)} (until ${report.token.expiresAt ?? '?'})`,
    );
    const groups = Object.keys(report.permissions);
    if (groups.length === 0) {
      lines.push('  permissions   none listed (the token answer has no scope)');
    } else {
      lines.push("  permissions   (the token's scope, by resource)");
      const width = Math.max(...groups.map((group) => (group === '' ? 7 : group.length)));
      for (const group of groups) {
        lines.push(
          `    ${(group === '' ? '(other)' : group).padEnd(width)}  ${(report.permissions[group] ?? []).join(', ')}`,
        );
      }
    }
  } else {
    lines.push('✘ no token');
    for (const problem of take('token')) lines.push(...describe(problem));
  }
  if (!report.api.checked) {
    lines.push(`- the API was not checked (GET ${report.api.url} needs a token)`);
  } else if (report.api.accepted) {
    const sdk = report.api.sdkVersion === null ? '' : ` (Studio SDK ${report.api.sdkVersion})`;
    lines.push(`✔ the API accepted the token: GET ${report.api.url} answered ${report.api.status ?? '?'}${sdk}`);
  } else {
    const status = report.api.status === null ? 'no answer' : `HTTP ${report.api.status}`;
    lines.push(`✘ the API did not accept the call: GET ${report.api.url}: ${status}`);
    for (const problem of take('api').concat(take('token'))) lines.push(...describe(problem));
  }
  for (const problem of take('clock')) lines.push(...describe(problem));
  lines.push('', report.ok ? 'All checks passed.' : `Check failed (exit code ${report.exitCode}).`);
  return lines.join('\n');
}

function describe(problem: Problem): string[] {
  const mark = problem.severity === 'error' ? '✘' : '!';
  const code = problem.code === undefined ? '' : ` [${problem.code}]`;
  return [`  ${mark} ${problem.message}${code}`, `    likely cause: ${problem.cause}`, `    fix: ${problem.fix}`];
}

/** `36000` → `10 h 0 min`; `59` → `59 s`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
