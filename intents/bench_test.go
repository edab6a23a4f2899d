package intents

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// benchMessages are typical inbound messages, short to rambling.
var benchMessages = []string{
	"hola",
	"merci",
	"no me llega el codigo de verificacion al celular",
	"I typed my password three times and it keeps saying wrong user or password, what am I doing wrong??",
	"Bonjour, je voudrais savoir comment changer mon mot de passe depuis l'application, merci d'avance",
	"buenas tardes, disculpen la molestia, desde ayer intento entrar a la aplicacion y me sale que mi cuenta esta desactivada, no entiendo por que porque yo pague todo el mes, me pueden ayudar por favor? gracias",
	"my client can't log in, can I send her a temporary password?",
	"ok",
	"🙏🙏",
	strings.Repeat("je ne reçois pas le courriel pour réinitialiser ", 40),
}

// BenchmarkMatch reports the 99th percentile latency of one Match call.
func BenchmarkMatch(b *testing.B) {
	m := realMatcher(b)
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		m.Match(benchMessages[i%len(benchMessages)], bot.MatchHints{})
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
}

// BenchmarkMatchLong is a 100 KB message: only its prefix is read.
func BenchmarkMatchLong(b *testing.B) {
	m := realMatcher(b)
	text := strings.Repeat("mi cliente no puede entrar a la app, ", 3000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Match(text, bot.MatchHints{})
	}
}

// BenchmarkBuild is the index build from the knowledge base's phrases.
func BenchmarkBuild(b *testing.B) {
	cfg := realConfig(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := New(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
