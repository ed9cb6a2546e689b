// audit-probe: what one audit commit costs SQLite itself, by layout (docs/benchmarks.md, "The audit
// commit's own cost", issue 11 round 4). The audit table exactly as Wicket creates it, 2 KB pages, WAL,
// one connection inserting ROWS records a transaction (one multi-row INSERT between a prepared BEGIN
// IMMEDIATE and COMMIT, as AuditWriter does), COMMITS transactions a round, best of 4 rounds; prints
// thread CPU and wall µs per record and WAL frames (pages) per commit. It checkpoints inline (PASSIVE)
// past CKPT frames (default 1000, Wicket's threshold), so its CPU includes the checkpoints' share.
//
//   cc -O2 -o /tmp/audit-probe Benchmarks/audit-probe/audit-probe.c -lsqlite3
//   /tmp/audit-probe DIR LAYOUT ROWS NORMAL|FULL COMMITS      (SPREAD=8: 8 members and 12 tools)
//
// LAYOUT letters, each an index: t audit_time (time_us), m audit_member_time (member, time_us),
// g audit_target_time (target_name, time_us) — Wicket's three are `tmg` — M (member) alone, G
// (target_name) alone; d begins with a deferred BEGIN instead of BEGIN IMMEDIATE; `n` none.
// OR_FAIL=1 inserts `INSERT OR FAIL` (as Wicket does since issue 11 round 8: no statement journal);
// OUTBOX=1 adds the alert outbox's table, whose foreign key references `audit`.
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static double cpu(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec*1e6+t.tv_nsec/1e3;}
static double wall(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e6+t.tv_nsec/1e3;}
static long frames_total=0, last_frames=0;
static int hook(void*c,sqlite3*db,const char*n,int f){ if(f>last_frames) frames_total+=f-last_frames; else frames_total+=f; last_frames=f; return 0;}
#define CHK(x) do{int rc_=(x); if(rc_!=SQLITE_OK&&rc_!=SQLITE_DONE&&rc_!=SQLITE_ROW){fprintf(stderr,"%s:%d %s\n",__FILE__,__LINE__,sqlite3_errmsg(db));exit(1);}}while(0)
static const char *table =
"CREATE TABLE audit (id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL, request_id TEXT NOT NULL, batch_index INTEGER, tenant TEXT NOT NULL, member TEXT, agent TEXT, key_id TEXT, source_ip TEXT, geo_country TEXT, geo_region TEXT, geo_city TEXT, server TEXT, method TEXT, target_kind TEXT, target_name TEXT, resource TEXT, session_id TEXT, jsonrpc_id TEXT, traceparent TEXT, decision TEXT NOT NULL CHECK (decision IN ('allow','deny')), http_status INTEGER NOT NULL, policies_json TEXT NOT NULL, context_json TEXT NOT NULL, errors_json TEXT NOT NULL, latency_us INTEGER NOT NULL, shadow_decision TEXT CHECK (shadow_decision IN ('allow','deny')), list_json TEXT);";
int main(int argc,char**argv){
  const char*dir=argv[1]; const char*variant=argv[2]; int rows=atoi(argv[3]); const char*sync=argv[4]; int commits=atoi(argv[5]);
  char path[512]; snprintf(path,sizeof path,"%s/p-%s-%d-%s.sqlite",dir,variant,rows,sync); unlink(path);
  char w[600]; snprintf(w,sizeof w,"%s-wal",path); unlink(w); snprintf(w,sizeof w,"%s-shm",path); unlink(w);
  sqlite3*db; CHK(sqlite3_open(path,&db));
  CHK(sqlite3_exec(db,"PRAGMA page_size=2048; PRAGMA journal_mode=WAL;",0,0,0));
  char s[200]; snprintf(s,sizeof s,"PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;",sync); CHK(sqlite3_exec(db,s,0,0,0));
  CHK(sqlite3_exec(db,table,0,0,0));
  int idx = strchr(variant,'t')!=0, mem=strchr(variant,'m')!=0, tgt=strchr(variant,'g')!=0;
  if(idx) CHK(sqlite3_exec(db,"CREATE INDEX audit_time ON audit(time_us);",0,0,0));
  if(mem) CHK(sqlite3_exec(db,"CREATE INDEX audit_member_time ON audit(member,time_us);",0,0,0));
  if(tgt) CHK(sqlite3_exec(db,"CREATE INDEX audit_target_time ON audit(target_name,time_us);",0,0,0));
  if(strchr(variant,'M')) CHK(sqlite3_exec(db,"CREATE INDEX audit_member ON audit(member);",0,0,0));
  if(strchr(variant,'G')) CHK(sqlite3_exec(db,"CREATE INDEX audit_target ON audit(target_name);",0,0,0));
  if(getenv("OUTBOX")) CHK(sqlite3_exec(db,"CREATE TABLE alert_outbox (id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL REFERENCES audit (id) ON DELETE CASCADE, alert TEXT NOT NULL, UNIQUE (record_id, alert));",0,0,0));
  int deferred = strchr(variant,'d')!=0;
  int autocommit = strchr(variant,'a')!=0;  // no BEGIN/COMMIT: the INSERT is its own transaction
  sqlite3_wal_hook(db,hook,0);
  // statement
  char sql[20000]; strcpy(sql,getenv("OR_FAIL")?"INSERT OR FAIL INTO audit VALUES ":"INSERT INTO audit VALUES ");
  for(int r=0;r<rows;r++){ strcat(sql, r?",":""); strcat(sql,"(NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"); }
  sqlite3_stmt*ins,*b,*c; CHK(sqlite3_prepare_v2(db,sql,-1,&ins,0));
  CHK(sqlite3_prepare_v2(db,deferred?"BEGIN":"BEGIN IMMEDIATE",-1,&b,0)); CHK(sqlite3_prepare_v2(db,"COMMIT",-1,&c,0));
  const char*pol="[{\"annotations\":{\"id\":\"release-window block\",\"reason\":\"allowed: 9–17\"},\"id\":\"policy0\"}]";
  const char*ctx="[{\"name\":\"context.time.hour\",\"value\":\"3\"}]";
  int spread = getenv("SPREAD")?atoi(getenv("SPREAD")):1;
  const char*tools[]={"delete_records","query","list_tables","describe","insert_rows","export","search","fetch","summarize","translate","send_mail","calendar"};
  long n=0; double best=1e18, bestw=1e18; long fr0;
  int rounds = 4;
  for(int round=0;round<rounds;round++){
    fr0=frames_total; double t0=cpu(), w0=wall();
    for(int k=0;k<commits;k++){
      if(!autocommit){ CHK(sqlite3_step(b)); sqlite3_reset(b); }
      for(int r=0;r<rows;r++){ int o=r*27; n++;
        char rid[32]; snprintf(rid,sizeof rid,"req-0-%ld",n); char m[40]; snprintf(m,sizeof m,"member%ld@company.com",n%spread);
        sqlite3_bind_int64(ins,o+1,(long long)(wall()+1.7e15));
        sqlite3_bind_text(ins,o+2,rid,-1,SQLITE_TRANSIENT); sqlite3_bind_null(ins,o+3);
        sqlite3_bind_text(ins,o+4,"bench",-1,SQLITE_STATIC);
        if(spread>1) sqlite3_bind_text(ins,o+5,m,-1,SQLITE_TRANSIENT); else sqlite3_bind_text(ins,o+5,"alex@company.com",-1,SQLITE_STATIC);
        sqlite3_bind_text(ins,o+6,"maintenance-agent",-1,SQLITE_STATIC); sqlite3_bind_text(ins,o+7,"0123456789abcdef",-1,SQLITE_STATIC);
        sqlite3_bind_text(ins,o+8,"203.0.113.42",-1,SQLITE_STATIC); sqlite3_bind_text(ins,o+9,"US",-1,SQLITE_STATIC);
        sqlite3_bind_text(ins,o+10,"VA",-1,SQLITE_STATIC); sqlite3_bind_text(ins,o+11,"Ashburn",-1,SQLITE_STATIC);
        sqlite3_bind_text(ins,o+12,"database",-1,SQLITE_STATIC); sqlite3_bind_text(ins,o+13,"tools/call",-1,SQLITE_STATIC);
        sqlite3_bind_text(ins,o+14,"tool",-1,SQLITE_STATIC); sqlite3_bind_text(ins,o+15,spread>1?tools[n%12]:"delete_records",-1,SQLITE_STATIC);
        sqlite3_bind_text(ins,o+16,"prod.customer_records",-1,SQLITE_STATIC); sqlite3_bind_text(ins,o+17,"mcp_sess_7k91",-1,SQLITE_STATIC);
        sqlite3_bind_text(ins,o+18,"1",-1,SQLITE_STATIC); sqlite3_bind_null(ins,o+19);
        sqlite3_bind_text(ins,o+20,"deny",-1,SQLITE_STATIC); sqlite3_bind_int(ins,o+21,403);
        sqlite3_bind_text(ins,o+22,pol,-1,SQLITE_STATIC); sqlite3_bind_text(ins,o+23,ctx,-1,SQLITE_STATIC);
        sqlite3_bind_text(ins,o+24,"[]",-1,SQLITE_STATIC); sqlite3_bind_int(ins,o+25,42); sqlite3_bind_null(ins,o+26); sqlite3_bind_null(ins,o+27);
      }
      CHK(sqlite3_step(ins)); sqlite3_reset(ins);
      if(!autocommit){ CHK(sqlite3_step(c)); sqlite3_reset(c); }
      if(last_frames>(getenv("CKPT")?atoi(getenv("CKPT")):1000)) { sqlite3_wal_checkpoint_v2(db,0,SQLITE_CHECKPOINT_PASSIVE,0,0); }
    }
    double d=(cpu()-t0)/(commits*rows), dw=(wall()-w0)/(commits*rows); if(d<best){best=d;} if(dw<bestw) bestw=dw;
    if(round==rounds-1) printf("%-6s rows=%2d %-6s spread=%d: %6.2f us cpu/record %6.2f us wall/record, %.2f frames/commit\n",variant,rows,sync,spread,best,bestw,(double)(frames_total-fr0)/commits);
  }
  return 0;
}
