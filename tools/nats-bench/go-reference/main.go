// The Go client's side of the comparison in the guide's "How fast is NATS?" chapter: the same
// measurement as nats-bench (1 publisher connection, 1 subscriber connection, messages of a
// given size on "bench"), written plainly with nats.go. Build and run it with run.sh.
//
// usage: go-reference MSGS SIZE SUBS   (SUBS 0 or 1; NATS_URL picks the server)
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	url := os.Getenv("NATS_URL")
	msgs, _ := strconv.Atoi(os.Args[1])
	size, _ := strconv.Atoi(os.Args[2])
	subs, _ := strconv.Atoi(os.Args[3])
	payload := make([]byte, size)
	var received int64
	done := make(chan time.Duration, 1)
	if subs > 0 {
		sc, err := nats.Connect(url)
		if err != nil {
			panic(err)
		}
		var first time.Time
		sc.Subscribe("bench", func(m *nats.Msg) {
			n := atomic.AddInt64(&received, 1)
			if n == 1 {
				first = time.Now()
			}
			if n == int64(msgs) {
				done <- time.Since(first)
			}
		})
		// A round trip: the server has registered the subscription before anything is published.
		sc.Flush()
	}
	pc, err := nats.Connect(url)
	if err != nil {
		panic(err)
	}
	start := time.Now()
	for i := 0; i < msgs; i++ {
		pc.Publish("bench", payload)
	}
	pc.Flush()
	pub := time.Since(start)
	fmt.Printf("[go] pub %12.0f msgs/s\n", float64(msgs)/pub.Seconds())
	if subs > 0 {
		select {
		case d := <-done:
			fmt.Printf("[go] sub %12.0f msgs/s\n", float64(msgs)/d.Seconds())
		case <-time.After(5 * time.Second):
			fmt.Printf("[go] sub LOSS: %d of %d\n", atomic.LoadInt64(&received), msgs)
		}
	}
}
