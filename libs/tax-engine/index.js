// Runtime entry of the @mu/tax-engine workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/tax-engine to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/tax-engine/src/index.js');
