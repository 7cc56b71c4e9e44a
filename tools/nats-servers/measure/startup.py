#!/usr/bin/env python3
# Start-up time of each server configuration the lessons use, with the pinned nats-server
# that `cargo xtask setup` installs: spawn to the first accepted TCP connection, 10 runs each.
# Usage: python3 tools/nats-servers/measure/startup.py
import os, subprocess, socket, tempfile, time, statistics

# Run from anywhere: paths are the workspace's (two folders above this one's parent).
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
store = tempfile.mkdtemp(prefix='startup-js-')
bin='target/tools/nats-server-2.15.1/bin/nats-server'
confs={'plain': [], 'mappings (topology/mapping/mappings.conf)': ['-c','topology/mapping/mappings.conf'],
       'jetstream': ['-js','-sd',store]}
for name,args in confs.items():
    times=[]
    for i in range(10):
        port=15500+i
        t=time.perf_counter()
        p=subprocess.Popen([bin,'-a','127.0.0.1','-p',str(port)]+args,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
        while True:
            try:
                socket.create_connection(('127.0.0.1',port),0.05).close(); break
            except OSError: time.sleep(0.002)
        times.append((time.perf_counter()-t)*1000)
        p.terminate(); p.wait()
    print(f"{name}: median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
