/** The repository's cpo settings file, at its root (README.md, "cpo.config.json"). */
export const CONFIG_FILE = 'cpo.config.json'
