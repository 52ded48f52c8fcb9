#pragma once
// `ecsim plot DIR`: pictures of a run or a sweep, drawn by gnuplot (PNG via
// pngcairo, and SVG), with the data files and gnuplot scripts kept next to
// them so that a plot can be restyled and redrawn by hand:
//   run directory (ecsim run):   convergence.{png,svg}  replicas behind and
//                                divergent keys over time, faults shaded;
//                                visibility-cdf.{png,svg}  CDF of per-write
//                                visibility delays; spacetime.{png,svg}
//                                messages between nodes (small runs only)
//   sweep directory (ecsim sweep): <metric>.{png,svg}  mean vs a swept
//                                parameter with a 95% confidence band, one
//                                line per value of the other parameters
// Output: DIR/plots/ (replaced atomically), or --out.
#include <string>
#include <vector>

namespace ecsim {

// The `ecsim plot` command line; returns the exit status.
int plot_command(const std::vector<std::string>& args);

}  // namespace ecsim
