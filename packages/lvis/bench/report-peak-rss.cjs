// Preloaded into a Node process the bench times (`node --require report-peak-rss.cjs ...`):
// at exit, its peak RSS goes to stderr, which the bench reads.
process.on('exit', () => {
  process.stderr.write(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB\n`);
});
