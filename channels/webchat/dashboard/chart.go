package dashboard

import (
	"strconv"

	"github.com/hexfit/supportbot/bot"
)

// chart is a server-rendered SVG bar chart of daily activity: for each day
// a bar for conversations, one for those resolved by the bot and one for
// handoffs.
type chart struct {
	W, H   int
	Bars   []bar
	Labels []label
	Max    int
	Empty  bool
}

type bar struct {
	X, Y, W, H int
	Class      string
	Title      string
}

type label struct {
	X    int
	Text string
}

const (
	chartW, chartH, chartPad = 720, 200, 24
)

func newChart(days []bot.DayActivity) chart {
	c := chart{W: chartW, H: chartH + chartPad}
	for _, d := range days {
		c.Max = max(c.Max, d.Conversations, d.HandedOff, d.ResolvedByBot)
	}
	if len(days) == 0 || c.Max == 0 {
		c.Empty = true
		return c
	}
	slot := (chartW - 10) / len(days)
	bw := max(slot/4, 1)
	every := max(len(days)/8, 1)
	for i, d := range days {
		x := 5 + i*slot
		day := d.Day.Format("Jan 2")
		for j, s := range []struct {
			n     int
			class string
			what  string
		}{{d.Conversations, "conv", "conversations"}, {d.ResolvedByBot, "bot", "resolved by the bot"}, {d.HandedOff, "hand", "handoffs"}} {
			h := s.n * (chartH - 10) / c.Max
			c.Bars = append(c.Bars, bar{X: x + j*bw, Y: chartH - h, W: bw, H: h, Class: s.class,
				Title: day + ": " + strconv.Itoa(s.n) + " " + s.what})
		}
		if i%every == 0 {
			c.Labels = append(c.Labels, label{X: x, Text: day})
		}
	}
	return c
}
