module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'invoicer',
  rootDir: __dirname,
};
