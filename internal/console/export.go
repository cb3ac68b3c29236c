package console

// AssetSizes returns the total size of the embedded files and of what a
// gzip-capable browser downloads, leaving out paths under skipPrefix (e.g.
// "vendor/"). It reports the page weight for tests and benchmarks.
func AssetSizes(skipPrefix string) (raw, sent int) {
	sf, err := loadStatic()
	if err != nil {
		return 0, 0
	}
	return sf.sizes(skipPrefix)
}
