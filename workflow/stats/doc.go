// Package stats holds the pure statistics of Stagewise: quantiles and
// panel-consensus rules for expert rounds, content-validity indices, Kendall's
// W, and inter-rater reliability (Cohen's and Fleiss' kappa, Krippendorff's
// alpha, intraclass correlations). It has no database or HTTP in it; every
// function takes plain values and returns plain values.
package stats
