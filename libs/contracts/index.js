// Runtime entry of the @mu/contracts workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/contracts to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/contracts/src/index.js');
