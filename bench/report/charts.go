package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	colorBaseline = color.RGBA{R: 160, G: 160, B: 160, A: 255}
	colorBackend  = map[string]color.Color{
		"sqlite":   color.RGBA{R: 31, G: 119, B: 180, A: 255},
		"postgres": color.RGBA{R: 214, G: 96, B: 39, A: 255},
	}
)

// throughputChart draws, for each scenario on each backend (check at its
// largest size), Gatehouse's throughput next to its baseline's, labelled
// with the ratio.
func throughputChart(sums []Summary, path string) error {
	var names []string
	var base, gh plotter.Values
	var labels plotter.XYLabels
	for _, b := range []string{"sqlite", "postgres"} {
		for _, sc := range []string{"check", "create", "list"} {
			s, ok := find(sums, b, sc, 0)
			if !ok {
				continue
			}
			names = append(names, fmt.Sprintf("%s\n%s", sc, b))
			base, gh = append(base, s.BaseRPS), append(gh, s.RPS)
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(len(names) - 1), Y: s.RPS})
			labels.Labels = append(labels.Labels, fmt.Sprintf("%.2f×", s.Ratio))
		}
	}
	if len(names) == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text = "Throughput per scenario (median req/s; label: ratio to baseline)"
	p.Y.Label.Text = "requests/s"
	p.Y.Min = 0
	w := vg.Points(18)
	bb, err := plotter.NewBarChart(base, w)
	if err != nil {
		return err
	}
	bb.Color, bb.LineStyle.Width, bb.Offset = colorBaseline, 0, -w/2
	gb, err := plotter.NewBarChart(gh, w)
	if err != nil {
		return err
	}
	gb.Color, gb.LineStyle.Width, gb.Offset = colorBackend["sqlite"], 0, w/2
	lb, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	lb.Offset = vg.Point{X: w / 4, Y: vg.Points(3)}
	top := 0.0
	for i := range gh {
		top = max(top, gh[i], base[i])
	}
	p.Y.Max = top * 1.3 // room for the legend and labels
	p.Add(bb, gb, lb, plotter.NewGrid())
	p.Legend.Add("baseline (bare net/http, same bytes)", bb)
	p.Legend.Add("Gatehouse", gb)
	p.Legend.Top = true
	p.NominalX(names...)
	return p.Save(vg.Points(float64(max(480, 95*len(names)))), 360, path)
}

// sessionsChart draws check throughput against the number of stored
// sessions, per backend, with the baselines measured alongside.
func sessionsChart(sums []Summary, path string) error {
	p := plot.New()
	p.Title.Text = "Token check throughput vs stored sessions (median req/s)"
	p.X.Label.Text = "stored sessions"
	p.Y.Label.Text = "requests/s"
	p.X.Scale = plot.LogScale{}
	p.Y.Min = 0
	var ticks plot.ConstantTicks
	top := 0.0
	drawn := false
	for _, b := range []string{"sqlite", "postgres"} {
		var gh, base plotter.XYs
		for _, s := range sums {
			if s.Backend == b && s.Scenario == "check" && s.Sessions > 0 {
				gh = append(gh, plotter.XY{X: float64(s.Sessions), Y: s.RPS})
				ticks = append(ticks, plot.Tick{Value: float64(s.Sessions), Label: short(s.Sessions)})
				top = max(top, s.RPS, s.BaseRPS)
				base = append(base, plotter.XY{X: float64(s.Sessions), Y: s.BaseRPS})
			}
		}
		if len(gh) == 0 {
			continue
		}
		drawn = true
		l, pts, err := plotter.NewLinePoints(gh)
		if err != nil {
			return err
		}
		l.Color, pts.Color = colorBackend[b], colorBackend[b]
		l.Width = vg.Points(2)
		bl, bpts, err := plotter.NewLinePoints(base)
		if err != nil {
			return err
		}
		bl.Color, bpts.Color = colorBackend[b], colorBackend[b]
		bl.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		bpts.Shape = draw.CrossGlyph{}
		p.Add(l, pts, bl, bpts)
		p.Legend.Add("Gatehouse "+b, l, pts)
		p.Legend.Add("baseline (run with "+b+")", bl, bpts)
	}
	if !drawn {
		return nil
	}
	p.X.Tick.Marker = ticks
	p.Y.Max = top * 1.35 // room for the legend
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	return p.Save(640, 400, path)
}

// short formats a count as 10k, 1M, ...
func short(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return fmt.Sprintf("%dM", n/1000000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
