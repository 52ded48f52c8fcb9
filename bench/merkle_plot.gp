# Plots merkle_bench output: bytes and time of one anti-entropy exchange
# versus the number of divergent keys (log-log).
#   gnuplot -e "csv='merkle.csv'; out='bench/merkle-vs-gossip.svg'" bench/merkle_plot.gp
if (!exists("csv")) csv = 'merkle.csv'
if (!exists("out")) out = 'bench/merkle-vs-gossip.svg'
set terminal svg size 1100,440 font 'Helvetica,12' background '#ffffff'
set output out
set datafile separator ','
set key top left
set logscale xy
set grid
set format x '10^{%L}'
set format y '10^{%L}'
set multiplot layout 1,2 title 'One anti-entropy exchange between two replicas of 1M keys (64-byte values)'
set xlabel 'divergent keys d'
set ylabel 'bytes on the wire (modelled)'
plot csv using ($1 > 0 ? $1 : 1/0):3 skip 1 with linespoints lw 2 pt 7 title 'Merkle repair', \
     csv using ($1 > 0 ? $1 : 1/0):7 skip 1 with linespoints lw 2 pt 5 title 'gossip (digest of every key)', \
     csv using ($1 > 0 ? $1 : 1/0):11 skip 1 with linespoints lw 2 pt 9 title 'full state'
set ylabel 'seconds'
plot csv using ($1 > 0 ? $1 : 1/0):5 skip 1 with linespoints lw 2 pt 7 title 'Merkle: simulated (1 ms links)', \
     csv using ($1 > 0 ? $1 : 1/0):6 skip 1 with linespoints lw 2 pt 6 dt 2 title 'Merkle: wall (simulator)', \
     csv using ($1 > 0 ? $1 : 1/0):10 skip 1 with linespoints lw 2 pt 4 dt 2 title 'gossip: wall (simulator)', \
     csv using ($1 > 0 ? $1 : 1/0):12 skip 1 with linespoints lw 2 pt 8 dt 2 title 'full state: wall (merge)'
unset multiplot
