package cli

import "sort"

// closeMatches is Python's difflib.get_close_matches(word, possibilities,
// n, cutoff): the best n possibilities whose SequenceMatcher ratio against
// word is at least cutoff, best first (ties: greater string first).
func closeMatches(word string, possibilities []string, n int, cutoff float64) []string {
	type scored struct {
		score float64
		s     string
	}
	var hits []scored
	b := []rune(word)
	for _, p := range possibilities {
		a := []rune(p)
		if r := matchRatio(a, b); r >= cutoff {
			hits = append(hits, scored{r, p})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].s > hits[j].s
	})
	var out []string
	for i := 0; i < len(hits) && i < n; i++ {
		out = append(out, hits[i].s)
	}
	return out
}

// matchRatio is SequenceMatcher(None, a, b).ratio() for short inputs (no
// autojunk): 2*M/T where M counts the characters of the matching blocks.
func matchRatio(a, b []rune) float64 {
	if len(a)+len(b) == 0 {
		return 1
	}
	m := matchingChars(a, b, 0, len(a), 0, len(b))
	return 2 * float64(m) / float64(len(a)+len(b))
}

// matchingChars recursively sums the longest matching blocks, as
// get_matching_blocks does.
func matchingChars(a, b []rune, alo, ahi, blo, bhi int) int {
	i, j, k := longestMatch(a, b, alo, ahi, blo, bhi)
	if k == 0 {
		return 0
	}
	return k + matchingChars(a, b, alo, i, blo, j) + matchingChars(a, b, i+k, ahi, j+k, bhi)
}

// longestMatch is find_longest_match: the longest block a[i:i+k] ==
// b[j:j+k], earliest in a, then earliest in b.
func longestMatch(a, b []rune, alo, ahi, blo, bhi int) (int, int, int) {
	besti, bestj, bestk := alo, blo, 0
	lens := map[int]int{}
	for i := alo; i < ahi; i++ {
		next := map[int]int{}
		for j := blo; j < bhi; j++ {
			if a[i] != b[j] {
				continue
			}
			k := lens[j-1] + 1
			next[j] = k
			if k > bestk {
				besti, bestj, bestk = i-k+1, j-k+1, k
			}
		}
		lens = next
	}
	return besti, bestj, bestk
}
