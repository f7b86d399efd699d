// One-off generator kept for reference: writes fixtures whose bytes are awkward to type (CRLF, BOM).
const fs = require('node:fs');
const path = require('node:path');
const dir = path.join(__dirname, 'fixtures');
const F = '```';
const base = (name, script, extra = '') =>
  `# ${name}\nWhat it does.\n\n# Environment Requirements\n${F}yaml\nTEST_VAR: A value\n${F}\n\n# File System Requirements\n${F}yaml\nInput: []\n${F}\n${extra}\n# Script\n${script}\n\n# History\n`;
fs.writeFileSync(
  path.join(dir, 'valid-crlf-bom.md'),
  '\uFEFF' + base('valid-crlf-bom', `${F}sh\necho crlf\n${F}`).replace(/\n/g, '\r\n'),
);
