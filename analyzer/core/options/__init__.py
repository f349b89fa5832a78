"""The provisioned alternatives to Lambda: EC2, Fargate and Lambda Managed Instances (LMI).

demand.py      what a function asks of a unit (peak concurrency, vCPU and memory per request)
candidates.py  the units of each option (instance types, task sizes) and their hourly prices
shortlist.py   the candidates worth exact pricing per function, and their compute cost
cost.py        one option's full monthly cost (compute, load balancer, requests, front door,
               management fee, operations), and the cheapest option at a traffic multiple
"""
